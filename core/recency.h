// Recency: relevance blended with freshness, and more-like-this. Owned by the recency task;
// placeholder.
#pragma once

// Ranking evaluation (TREC conventions): runs, qrels and measures. Owned by the eval task;
// placeholder.
#pragma once

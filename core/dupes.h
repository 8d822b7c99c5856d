// Near-duplicate articles: SimHash fingerprints and groups. Owned by the duplicates task;
// placeholder.
#pragma once

// Did you mean: a suggestion from the index's own vocabulary. Owned by the suggest task;
// placeholder.
#pragma once

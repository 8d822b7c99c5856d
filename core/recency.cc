#include "recency.h"

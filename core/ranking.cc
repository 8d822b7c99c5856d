#include "ranking.h"

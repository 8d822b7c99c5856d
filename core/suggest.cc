#include "suggest.h"

#include "dupes.h"

#include "config.h"
#include "config.h"

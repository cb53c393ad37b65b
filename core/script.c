#include "config.h"
#include "script.h"

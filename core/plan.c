#include "config.h"
#include "plan.h"

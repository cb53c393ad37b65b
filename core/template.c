#include "config.h"
#include "template.h"

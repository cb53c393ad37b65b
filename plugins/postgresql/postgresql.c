#include "config.h"
#include <retort/dialect.h>

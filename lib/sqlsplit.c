#include "config.h"
#include "sqlsplit.h"

#include "config.h"
#include "graph.h"

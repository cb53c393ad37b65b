#ifndef RETORT_CORE_PLAN_H
#define RETORT_CORE_PLAN_H
#endif

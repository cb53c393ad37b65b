#ifndef RETORT_CORE_URL_H
#define RETORT_CORE_URL_H
#endif

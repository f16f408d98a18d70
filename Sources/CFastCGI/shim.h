#include <fcgiapp.h>
#include <sys/epoll.h>

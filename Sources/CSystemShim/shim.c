#include "shortlink_shim.h"
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>

static volatile sig_atomic_t stop_requested = 0;

static void flag_handler(int sig) {
    (void)sig;
    stop_requested = 1;
}

int shortlink_install_flag_handler(int sig) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = flag_handler;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: interrupt accept() */
    return sigaction(sig, &sa, NULL);
}

int shortlink_stop_requested(void) { return stop_requested; }

int shortlink_set_parent_death_signal(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }

void shortlink_reset_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        sigaction(sig, &sa, NULL);
    }
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
}

unsigned long long *shortlink_shared_counter_create(void) {
    void *p = mmap(NULL, sizeof(unsigned long long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : (unsigned long long *)p;
}

unsigned long long shortlink_counter_load(const unsigned long long *counter) {
    return __atomic_load_n(counter, __ATOMIC_ACQUIRE);
}

unsigned long long shortlink_counter_increment(unsigned long long *counter) {
    return __atomic_add_fetch(counter, 1, __ATOMIC_ACQ_REL);
}

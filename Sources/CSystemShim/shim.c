#include "shortlink_shim.h"
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

static volatile sig_atomic_t flagged_signal = 0;
static volatile sig_atomic_t stop_requested = 0;

static void flag_handler(int sig) {
    flagged_signal = sig;
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

int shortlink_take_flagged_signal(void) {
    int sig = flagged_signal;
    flagged_signal = 0;
    return sig;
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

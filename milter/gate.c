/*
 * gate.c - at most N messages analysed at once; the others wait their turn
 *
 * libmilter runs one thread per connection, and every connection's end of
 * message would otherwise parse and scan at once: with eight of them on two
 * CPUs the scans evict each other's caches and the scheduler switches
 * between them, and each runs longer. The gate bounds the scans in
 * progress to the CPUs (scan_concurrency) and queues the rest; it also
 * bounds the memory of the messages being analysed to N times the
 * per-message budget.
 *
 * Waiters are served in arrival order: each waits on its own condition in
 * a queue, and a holder that leaves hands its place straight to the first
 * waiter (so a newcomer can never overtake one that waited). A waiter whose
 * deadline passes leaves the queue and goes without a place, unless a place
 * was handed to it in the meantime, which it then takes.
 */
#include "config.h"

#include "gate.h"

struct waiter {
    GCond cond;
    int granted;                /* a leaving holder gave this waiter its place */
};

struct lw_gate {
    GMutex lock;
    unsigned limit;
    unsigned inside;            /* places taken, granted ones included */
    GQueue waiters;             /* struct waiter *, first come first */
};

struct lw_gate *lw_gate_new(unsigned limit)
{
    struct lw_gate *gate = g_new0(struct lw_gate, 1);

    g_mutex_init(&gate->lock);
    g_queue_init(&gate->waiters);
    gate->limit = MAX(limit, 1);
    return gate;
}

void lw_gate_free(struct lw_gate *gate)
{
    if (gate == NULL)
        return;
    g_mutex_clear(&gate->lock);
    g_free(gate);
}

/* wait_turn - queue w and wait for a place until deadline; with the lock held; 1: granted */
static int wait_turn(struct lw_gate *gate, struct waiter *w, gint64 deadline)
{
    g_queue_push_tail(&gate->waiters, w);
    while (!w->granted)
        if (!g_cond_wait_until(&w->cond, &gate->lock, deadline) && !w->granted) {
            g_queue_remove(&gate->waiters, w);
            return 0;
        }
    return 1;
}

int lw_gate_try(struct lw_gate *gate)
{
    int in = 1;

    if (gate == NULL)
        return 1;
    g_mutex_lock(&gate->lock);
    if (gate->inside < gate->limit)     /* then nobody waits: places are handed on */
        gate->inside++;
    else
        in = 0;
    g_mutex_unlock(&gate->lock);
    return in;
}

int lw_gate_wait(struct lw_gate *gate, gint64 deadline)
{
    struct waiter w = { .granted = 0 };
    int in = 1;

    if (gate == NULL)
        return 1;
    g_mutex_lock(&gate->lock);
    if (gate->inside < gate->limit) {   /* one left since the caller tried */
        gate->inside++;
    } else {
        g_cond_init(&w.cond);
        in = wait_turn(gate, &w, deadline);
        g_cond_clear(&w.cond);
    }
    g_mutex_unlock(&gate->lock);
    return in;
}

void lw_gate_leave(struct lw_gate *gate)
{
    struct waiter *next;

    if (gate == NULL)
        return;
    g_mutex_lock(&gate->lock);
    next = g_queue_pop_head(&gate->waiters);
    if (next) {                 /* the place goes to the first waiter: inside stays */
        next->granted = 1;
        g_cond_signal(&next->cond);
    } else {
        gate->inside--;
    }
    g_mutex_unlock(&gate->lock);
}

void lw_gate_state(struct lw_gate *gate, unsigned *inside, unsigned *waiting)
{
    g_mutex_lock(&gate->lock);
    *inside = gate->inside;
    *waiting = g_queue_get_length(&gate->waiters);
    g_mutex_unlock(&gate->lock);
}

/* test-gate.c - unit tests of the milter's scan gate: at most N inside, the rest served in arrival order, a deadline kept */
#include "config.h"

#include <glib.h>

#include "milter/gate.h"
#include "tap.h"

#define FOREVER G_MAXINT64

/* One connection thread: waits its turn, notes when it got in, leaves. */
struct visitor {
    struct lw_gate *gate;
    gint *arrivals;             /* shared: how many got in so far */
    int entered, waited, order;
};

/* enter - what the milter does: a free place, else wait in line; *waited says which */
static int enter(struct lw_gate *gate, gint64 deadline, int *waited)
{
    if (lw_gate_try(gate)) {
        *waited = 0;
        return 1;
    }
    *waited = 1;
    return lw_gate_wait(gate, deadline);
}

static gpointer visit(gpointer data)
{
    struct visitor *v = data;

    v->entered = enter(v->gate, FOREVER, &v->waited);
    v->order = g_atomic_int_add(v->arrivals, 1) + 1;
    if (v->entered)
        lw_gate_leave(v->gate);
    return NULL;
}

/* waiting_is - poll until n threads wait at gate (no time bound: a thread that never arrives hangs the test) */
static void waiting_is(struct lw_gate *gate, unsigned n)
{
    unsigned inside, waiting;

    for (;;) {
        lw_gate_state(gate, &inside, &waiting);
        if (waiting == n)
            return;
        g_usleep(1000);
    }
}

static GThread *start(struct visitor *v, struct lw_gate *gate, gint *arrivals)
{
    *v = (struct visitor) { .gate = gate, .arrivals = arrivals };
    return g_thread_new("visitor", visit, v);
}

static void test_limit(void)
{
    struct lw_gate *gate = lw_gate_new(2);
    struct visitor third;
    gint arrivals = 0;
    GThread *t;
    unsigned inside, waiting;
    int waited = -1;

    tap_check(enter(gate, FOREVER, &waited) && waited == 0, "the first message goes in at once");
    tap_check(enter(gate, FOREVER, &waited) && waited == 0, "so does the second of a gate of two");
    t = start(&third, gate, &arrivals);
    waiting_is(gate, 1);
    lw_gate_state(gate, &inside, &waiting);
    tap_check(inside == 2 && waiting == 1 && g_atomic_int_get(&arrivals) == 0,
              "the third waits while two are inside (inside %u, waiting %u, got in %d)",
              inside, waiting, g_atomic_int_get(&arrivals));
    lw_gate_leave(gate);
    g_thread_join(t);
    tap_check(third.entered && third.waited, "it goes in when one leaves, and knows it waited (entered %d, waited %d)",
              third.entered, third.waited);
    lw_gate_leave(gate);
    lw_gate_state(gate, &inside, &waiting);
    tap_check(inside == 0 && waiting == 0, "once all have left the gate is empty (inside %u, waiting %u)",
              inside, waiting);
    lw_gate_free(gate);
}

static void test_order(void)
{
    struct lw_gate *gate = lw_gate_new(1);
    struct visitor first, second;
    gint arrivals = 0;
    GThread *a, *b;

    lw_gate_try(gate);
    a = start(&first, gate, &arrivals);
    waiting_is(gate, 1);
    b = start(&second, gate, &arrivals);
    waiting_is(gate, 2);
    lw_gate_leave(gate);
    g_thread_join(a);
    g_thread_join(b);
    tap_check(first.order == 1 && second.order == 2,
              "waiters go in the order they came (first came in %d, second %d)", first.order, second.order);
    lw_gate_free(gate);
}

static void test_deadline(void)
{
    struct lw_gate *gate = lw_gate_new(1);
    unsigned inside, waiting;
    int waited = 0;

    lw_gate_try(gate);
    tap_check(!enter(gate, g_get_monotonic_time(), &waited) && waited,
              "a message whose deadline has passed while the gate is full does not go in");
    lw_gate_state(gate, &inside, &waiting);
    tap_check(inside == 1 && waiting == 0, "it left the queue, and holds no place (inside %u, waiting %u)",
              inside, waiting);
    lw_gate_leave(gate);
    tap_check(lw_gate_wait(gate, g_get_monotonic_time()),
              "a place that became free is taken at once, deadline or not");
    lw_gate_leave(gate);
    lw_gate_free(gate);
}

static void test_no_gate(void)
{
    int waited = -1;

    tap_check(enter(NULL, 0, &waited) && waited == 0, "no gate (scan_concurrency = 0): everyone goes in");
    lw_gate_leave(NULL);
}

int main(void)
{
    test_limit();
    test_order();
    test_deadline();
    test_no_gate();
    return tap_done();
}

/* gate.h - at most N messages analysed at once; the others wait their turn, first come first served */
#ifndef LW_GATE_H
#define LW_GATE_H

#include <glib.h>

struct lw_gate;

/* lw_gate_new - a gate that lets limit holders in at once (limit > 0) */
struct lw_gate *lw_gate_new(unsigned limit);
void lw_gate_free(struct lw_gate *gate);

/*
 * lw_gate_try - take a free place without waiting: 1 when in (give it back
 * with lw_gate_leave), 0 when the gate is full. A NULL gate lets everyone in.
 */
int lw_gate_try(struct lw_gate *gate);

/*
 * lw_gate_wait - take a place, waiting in line for one until deadline (a
 * g_get_monotonic_time() value) at most: 1 when in, 0 when the deadline
 * passed first
 */
int lw_gate_wait(struct lw_gate *gate, gint64 deadline);
void lw_gate_leave(struct lw_gate *gate);

/* lw_gate_state - holders and waiters now (for tests) */
void lw_gate_state(struct lw_gate *gate, unsigned *inside, unsigned *waiting);

#endif

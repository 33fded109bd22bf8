/*
 * fault.h - fault injection for tests (builds configured with
 * --enable-fault-injection only; see fault.c).
 *
 * A release build has no fault.c, no wrapped calls and no HAUL_FAULT: the
 * code under test is the code that ships, and nothing in it can be made to
 * fail by the environment.
 */
#ifndef HAUL_FAULT_H
#define HAUL_FAULT_H

/*
 * Replaces the rules in force with `spec` (the syntax of HAUL_FAULT; NULL
 * or "" clears them) and zeroes every call count.  Returns 0, or -1 with
 * one line on stderr when spec is malformed (then no rule is in force).
 * For unit tests; haul itself reads HAUL_FAULT once at start.
 */
int fault_configure(const char *spec);

/* How many calls the rules made fail since the last fault_configure(). */
unsigned long fault_fired(void);

#endif

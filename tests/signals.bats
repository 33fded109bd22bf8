#!/usr/bin/env bats
# tests/signals.bats - (being written)

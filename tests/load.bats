#!/usr/bin/env bats
# tests/load.bats - (being written)

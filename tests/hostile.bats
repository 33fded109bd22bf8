#!/usr/bin/env bats
# tests/hostile.bats - (being written)

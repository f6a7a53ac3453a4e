#!/usr/bin/env sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright releng-tool

touch "$ROOT_DIR"/test-custom-configure

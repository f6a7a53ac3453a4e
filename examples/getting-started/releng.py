#!/usr/bin/env python
# -*- coding: utf-8 -*-

packages = [
    'libx',
    'liby',
]

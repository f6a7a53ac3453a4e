#!/usr/bin/env python
# -*- coding: utf-8 -*-

print('project target directory: {}'.format(TARGET_DIR))

#!/usr/bin/env python

print('testing')

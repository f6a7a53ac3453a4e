packages = [
    'test',
]

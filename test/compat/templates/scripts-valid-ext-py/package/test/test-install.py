file_flag = TARGET_DIR / 'invoked-install'
releng_touch(file_flag)

message(Test)

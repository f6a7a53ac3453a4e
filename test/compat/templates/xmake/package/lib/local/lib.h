void process();

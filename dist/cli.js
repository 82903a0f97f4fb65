#!/usr/bin/env node
process.stdout.write('memleak\n');

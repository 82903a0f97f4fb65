process.stdout.write('memleak\n')

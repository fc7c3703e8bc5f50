process.stdout.write('critic: not built yet\n');

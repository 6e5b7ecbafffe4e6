using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Nym.Benchmarks.SphinxHopBenchmarks).Assembly).Run(args);

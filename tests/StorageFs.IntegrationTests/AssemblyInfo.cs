// Every test mounts a real filesystem and drives it with tools that share two cores; timing
// assertions (a notification within 2 s, exit within 5 s after SIGTERM) only hold when the
// suites do not compete with each other for the CPU, so they run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

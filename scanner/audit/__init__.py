"""Organisation audits: `credscope audit REPOS --out DIR` over many repositories on Dask.

    run.py       the flow: repositories -> reuse or analyse -> reports
    repos.py     the repository list, URL mirrors, each repository's git state
    tree.py      its working tree: new files as blobs, the tree's state (a stat cache)
    keys.py      what decides reuse: credscope's digest, analysis and repository keys
    identity.py  fingerprints: each repository's scheme, one identity across repositories
    driver.py    the Dask loop: plans, shards, the store, assembly as results arrive
    waiting.py   the driver's book of places in flight and the repositories waiting on them
    work.py      what workers run: walk a repository, analyse a shard of blobs, render reports
    outcome.py   what one blob at one path gave, without its secret
    store.py     the SQLite results store in DIR
    assemble.py  one repository's ScanResult, as `scan --history` makes it
    org.py       the organisation view: credentials across repositories
    report.py    per-repository JSON/SARIF, organisation JSON/HTML
    cluster.py   LocalCluster on loopback, or an existing scheduler
    progress.py  one bar for the whole audit, on a terminal only

It calls the same sources, engine, classifier, filters and reporters as `scan`; it never
imports the command line.
"""

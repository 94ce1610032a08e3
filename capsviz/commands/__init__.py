"""Sub-commands of the ``capsviz`` command line (each module registers one)."""

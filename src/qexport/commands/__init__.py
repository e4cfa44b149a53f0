"""What the CLI's commands do: each `qexport.cli` command imports its module when run."""

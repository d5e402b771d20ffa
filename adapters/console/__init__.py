"""Console adapter: try Boussole in a terminal, with no Slack or Teams account."""

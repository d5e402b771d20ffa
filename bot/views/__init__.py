"""Message builders: turn domain records into neutral messages."""

DROP TABLE <partition>

"""The switches' side of pbx: what Kamailio, Asterisk and FreeSWITCH read to run calls
(database views, the /api/switch/ endpoints), and the configurations pbx ships for them
(switch/kamailio/ ...). docs/switches.md is the operator's guide."""

"""Hardware-in-the-loop tests run against a unit from the outside, through a rig."""

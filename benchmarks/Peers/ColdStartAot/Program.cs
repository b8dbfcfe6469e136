// The ModelGen cold-start child as its own program: prints the FIRSTSTEP line after the MLP's first training step.
return Peers.ColdStartChild.RunModelGen();

train: snap.h5: N = 16, 80 snapshots; network 16 -> 16 (swish, bias) -> 2 -> 34 (swish) -> 16, mask band:4:2, 436 parameters; 1 rank
train: stopped after epoch 5 of 400 (SIGTERM); checkpoint sig.h5.ckpt.h5 written, continue with the same command and --resume

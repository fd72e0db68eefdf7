train: snap.h5: N = 16, 80 snapshots; network 16 -> 16 (swish, bias) -> 2 -> 34 (swish) -> 16, mask band:4:2, 436 parameters; 1 rank
romkit train: error: ROM_ERR_ARG: checkpoint 'r.h5.ckpt.h5' was trained with batch = 8, this run has 4 (rom_ae_checkpoint_read at train_checkpoint.c:140)
  <- rom_ae_train (train.c:218)
  <- rom_ae_train_dmat (train.c:420)

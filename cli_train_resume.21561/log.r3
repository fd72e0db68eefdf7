train: snap.h5: N = 16, 80 snapshots; network 16 -> 12 (swish, bias) -> 2 -> 34 (swish) -> 16, mask band:4:2, 360 parameters; 1 rank
romkit train: error: ROM_ERR_ARG: checkpoint 'r.h5.ckpt.h5': encoder layer 0 is 16 -> 16, this network's 16 -> 12 (other --latent, --hidden or --mask?) (same_layers at train_checkpoint.c:77)
  <- rom_ae_checkpoint_read (train_checkpoint.c:115)
  <- rom_ae_train (train.c:218)
  <- rom_ae_train_dmat (train.c:420)

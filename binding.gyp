{
  'targets': [
    {
      # native/tree-lister.c: the big-tree lister of src/tree/native-lister.ts (optional: without
      # it the scan uses find(1))
      'target_name': 'tree_lister',
      'sources': ['native/tree-lister.c'],
      'cflags': ['-O2', '-Wall', '-Wextra', '-Werror=implicit-function-declaration'],
    },
  ],
}

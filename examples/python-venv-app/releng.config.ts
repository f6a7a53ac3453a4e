import { defineProject } from 'releng';
import { APP, VENV } from './app.ts';
import { DEFAULT_PYTHON, probePython } from './lib/venv.ts';

/**
 * A Python application packaged with its own virtual environment under
 * /opt/greeter, plus a systemd unit and a default configuration, as a .deb,
 * an .rpm and a .tar.gz from one packaging description. See README.md.
 *
 * The venv is built with VENV_PYTHON (from the process environment; default
 * /usr/bin/python3). It keeps using that interpreter by path on the target,
 * so the packages depend on the same Python minor version.
 */
const python = probePython(process.env.VENV_PYTHON ?? DEFAULT_PYTHON);

export default defineProject({
  packages: [APP.name],
  defaultInternal: true,
  // Stage environment and template variables of the description below.
  environment: {
    APP_HOME: APP.home,
    VENV_PYTHON: python.command,
    VENV_PYTHON_VERSION: python.version,
  },
  outputs: [
    {
      // sysroot: 'target' (the default): contents[].src are below output/target.
      name: APP.name,
      version: APP.version,
      release: '1',
      // Only pure-Python wheels go in: nothing architecture-specific. With
      // compiled extensions this would be the build machine's architecture.
      architecture: 'all',
      maintainer: 'Releng Examples <examples@releng.invalid>',
      vendor: 'Releng Examples',
      homepage: 'https://releng.invalid/examples/python-venv-app',
      license: 'MIT',
      summary: 'Greeting service shipped with its own Python virtual environment',
      // Wrapped by hand: dpkg and rpm show these lines as they are.
      description: [
        'The greeter service and its Python dependencies, installed in a',
        `virtual environment under ${VENV}, with a systemd unit`,
        `(not enabled) and a default configuration in /etc/${APP.name}.`,
        '',
        `The environment runs the system interpreter ${python.command}`,
        `(Python ${python.version}).`,
      ].join('\n'),
      section: 'net',
      // The venv's bin/python is a symlink to the build machine's python
      // and its site-packages is lib/python<major.minor>: the same minor
      // version must be installed at the same path.
      depends: [`python3 (>= ${python.version})`, `python3 (<< ${python.next})`],
      contents: [
        { src: APP.home.slice(1), dst: APP.home },
        {
          src: `etc/${APP.name}/${APP.name}.toml`,
          dst: `/etc/${APP.name}/${APP.name}.toml`,
          config: 'noreplace',
        },
        {
          src: `packaging/${APP.name}.service.njk`,
          from: 'description',
          dst: `/usr/lib/systemd/system/${APP.name}.service`,
          template: true,
        },
        { src: 'README.md', from: 'description', dst: `/usr/share/doc/${APP.name}/`, doc: true },
      ],
      scripts: {
        postInstall: { file: 'packaging/postinst.sh', template: true },
        preRemove: { file: 'packaging/prerm.sh', template: true },
        postRemove: { file: 'packaging/postrm.sh', template: true },
      },
      changelog: [
        {
          version: APP.version,
          date: '2024-05-01T12:00:00Z',
          author: 'Releng Examples <examples@releng.invalid>',
          changes: ['Ship greeter in its own virtual environment under /opt.'],
        },
      ],
      rpm: { group: 'Applications/Internet' },
      // An add-on application in /opt is what the FHS reserves /opt for (FHS 3.13); lintian's
      // dir-or-file-in-opt is archive policy for Debian's own packages, so the package says so.
      deb: { lintianOverrides: ['dir-or-file-in-opt'] },
      formats: ['deb', 'rpm', 'tar.gz'],
    },
  ],
});

import { attrList } from '../../action.ts';
import type { LintRule } from '../types.ts';

/** Where pkg(5) installs the classification data; pkglint names it in its messages. */
export const CLASSIFICATION_PATH = '/usr/share/lib/pkg/opensolaris.org.sections';

/**
 * The valid info.classification sections and their categories: the data
 * of pkg(5)'s opensolaris.org.sections as OpenIndiana ships it.
 */
export const CLASSIFICATIONS: ReadonlyMap<string, string> = new Map([
  [
    'Meta Packages',
    'Builds,Releases,Developer Tools,AMP Stack,Office Tools,Incorporations,Group Packages',
  ],
  [
    'Applications',
    'Accessories,Configuration and Preferences,Games,Graphics and Imaging,Internet,Office,Panels and Applets,Plug-ins and Run-times,Sound and Video,System Utilities,Universal Access',
  ],
  [
    'Desktop (GNOME)',
    'Documentation,File Managers,Libraries,Localizations,Scripts,Sessions,Theming,Trusted Extensions,Window Managers',
  ],
  [
    'Development',
    'Assembly Language,C,C++,Databases,Distribution Tools,Editors,Erlang,Fortran,GNOME and GTK+,GNU,Go,Haskell,High Performance Computing,Integrated Development Environments,Java,JavaScript,Julia,Lisp,Lua,Objective C,Observability,OCaml,Other Languages,PHP,Perl,Python,Ruby,Rust,Smalltalk,Source Code Management,Suites,System,Tcl,X11',
  ],
  ['Drivers', 'Display,Media,Networking,Other Peripherals,Ports,Storage'],
  [
    'System',
    'Administration and Configuration,Core,Databases,Enterprise Management,File System,Fonts,Hardware,Internationalization,Libraries,Localizations,Media,Multimedia Libraries,Packaging,Printing,Security,Services,Shells,Software Management,Text Tools,Trusted,Virtualization,X11',
  ],
  ['Web Services', 'Application and Web Servers,Communications'],
]);

const PREFIX = 'org.opensolaris.category.2008:';

/** pkglint.manifest008: each info.classification value is `org.opensolaris.category.2008:Section/Category` of the data. */
export const infoClassification: LintRule = {
  id: 'pkglint.manifest008',
  description: 'info.classification attribute should be valid.',
  check(m, _all, report) {
    const set = m.actions.find(
      (a) => a.action.name === 'set' && a.action.attrs.get('name') === 'info.classification',
    );
    if (!set) return;
    const where = { action: set };
    for (const value of attrList(set.action, 'value')) {
      if (!value.includes(PREFIX)) {
        report(
          'ERROR',
          `${this.id}.2`,
          `info.classification attribute does not contain '${PREFIX}' for ${m.fmri}`,
          where,
        );
        continue;
      }
      const cls = value.replaceAll(PREFIX, '');
      const slash = cls.indexOf('/');
      if (slash === -1) {
        report(
          'ERROR',
          `${this.id}.3`,
          `info.classification value ${value} does not match ${PREFIX}<Section>/<Category> for ${m.fmri}`,
          where,
        );
        continue;
      }
      const section = cls.slice(0, slash);
      const category = cls.slice(slash + 1);
      const cats = CLASSIFICATIONS.get(section);
      if (cats === undefined) {
        const sections = [...CLASSIFICATIONS.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        report(
          'ERROR',
          `${this.id}.4`,
          `info.classification value ${value} does not contain one of the valid sections ${sections.join(', ')} for ${m.fmri}.`,
          where,
        );
      } else if (!cats.split(',').includes(category))
        report(
          'ERROR',
          `${this.id}.6`,
          `info.classification attribute in ${m.fmri} does not contain one of the values defined for the section ${section}: ${cats} from ${CLASSIFICATION_PATH}`,
          where,
        );
    }
  },
};

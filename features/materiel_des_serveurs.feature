# language: fr
Fonctionnalité: Matériel des serveurs, lu dans leurs contrôleurs de gestion (BMC, Redfish)
  Afin que le matériel qui héberge les données de santé tienne ses engagements de continuité et
  de confidentialité, l'hébergeur démontre, serveur par serveur, ce que chaque BMC déclare :
  alimentations, disques et volumes, chiffrement, démarrage sécurisé, micrologiciels, exposition
  du BMC et localisation. Une API que le BMC n'expose pas rend le contrôle non applicable, avec
  la raison, jamais conforme. Activité HDS 2 (et 1 pour la localisation).

  @RF-01 @HDS-2 @ISO-A.7.11 @ISO-A.8.14
  Plan du scénario: RF-01 — chaque châssis a des alimentations présentes, saines et redondées (N+1)
    Une alimentation saine de plus que le minimum annoncé par le BMC (Redundancy MinNumNeeded),
    et aucune alimentation en défaut.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-01 » est évalué sur chacun des châssis de ses serveurs
    Alors chaque châssis est conforme
    Et la preuve observée comprend « supplies »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-02 @HDS-2 @ISO-A.7.13 @ISO-A.8.14
  Plan du scénario: RF-02 — les disques sont sains et les volumes sont sur un RAID redondant
    Un disque en défaut ou qui annonce sa défaillance (FailurePredicted), un volume dégradé ou en
    RAID0 rend le contrôleur de stockage non conforme.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-02 » est évalué sur chacun des contrôleurs de stockage de ses serveurs
    Alors chaque contrôleur est conforme
    Et la preuve observée comprend « volumes »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-03 @HDS-2 @ISO-A.8.24 @ISO-A.7.14
  Plan du scénario: RF-03 — les disques porteurs de données sont auto-chiffrants, chiffrement activé
    Sont porteurs de données les disques membres d'un volume (tous les disques si le contrôleur
    n'expose aucun volume).
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-03 » est évalué sur chacun des contrôleurs de stockage de ses serveurs
    Alors chaque contrôleur est conforme
    Et la preuve observée comprend « data_drives »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-04 @HDS-2 @ISO-A.8.7 @ISO-A.8.9
  Plan du scénario: RF-04 — le démarrage sécurisé UEFI est activé et en vigueur
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-04 » est évalué sur chacun de ses serveurs
    Alors chaque serveur est conforme
    Et la preuve observée comprend « SecureBootCurrentBoot »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-05 @HDS-2 @ISO-A.8.8 @ISO-A.7.13
  Plan du scénario: RF-05 — les micrologiciels BIOS et BMC sont à jour
    L'âge se lit dans la date de publication de l'inventaire UpdateService ; la version minimale
    par modèle est un paramètre de la cible (firmware.min_versions).
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-05 » est évalué sur chacun de ses serveurs
    Alors chaque serveur est conforme
    Et la preuve observée comprend « versions »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-06 @HDS-2 @ISO-A.8.20 @ISO-A.8.21
  Plan du scénario: RF-06 — le BMC n'expose ni IPMI sur le réseau, ni HTTP en clair, ni Telnet
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-06 » est évalué sur chacun des BMC de ses serveurs
    Alors chaque BMC est conforme
    Et la preuve observée comprend « protocols »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-07 @HDS-2 @ISO-A.8.5 @ISO-A.5.17 @ISO-A.5.18
  Plan du scénario: RF-07 — aucun compte BMC par défaut ou non déclaré n'est actif
    La longueur minimale des mots de passe et le verrouillage après échecs sont lus dans
    l'AccountService du BMC.
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-07 » est évalué sur chacun des BMC de ses serveurs
    Alors chaque BMC est conforme
    Et la preuve observée comprend « policy »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-08 @HDS-2 @ISO-A.8.24 @ISO-A.8.20
  Plan du scénario: RF-08 — le certificat TLS du BMC est valide, de confiance et non auto-signé
    Aucun mot de passe n'est envoyé à un BMC dont le certificat ne se vérifie pas avec l'autorité
    déclarée (ca_bundle).
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-08 » est évalué sur chacun des BMC de ses serveurs
    Alors chaque BMC est conforme
    Et la preuve observée comprend « tls »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-09 @HDS-2 @ISO-A.8.15 @ISO-A.8.16 @ISO-A.7.13
  Plan du scénario: RF-09 — les événements du BMC sont transmis hors de la machine
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-09 » est évalué sur chacun des BMC de ses serveurs
    Alors chaque BMC est conforme
    Et la preuve observée comprend « subscriptions »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |

  @RF-10 @HDS-1 @HDS-2 @ISO-A.7.8
  Plan du scénario: RF-10 — la localisation déclarée de chaque châssis est dans l'EEE
    Le pays lu dans le BMC (Location PostalAddress Country, code ISO 3166) appartient à l'Espace
    économique européen (HDS v2 EXI 28).
    Étant donné le locataire « <locataire> »
    Quand le contrôle « RF-10 » est évalué sur chacun des châssis de ses serveurs
    Alors chaque châssis est conforme
    Et la preuve observée comprend « location »
    Et la preuve observée est conservée dans la chaîne de preuves

    Exemples:
      | locataire |
      | @locataires |
